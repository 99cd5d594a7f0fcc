using ImageJobs.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.Hosting;

public static class MessagingExtensions
{
    /// <summary>
    /// The broker connection (ConnectionStrings:messaging, through Aspire's RabbitMQ client), the
    /// queue settings validated at start, and the confirmed publisher: what every service that
    /// publishes or consumes jobs needs. <paramref name="topology"/> says whether this service
    /// declares the topology or, its broker user not being allowed to, only checks it is there.
    /// </summary>
    public static IHostApplicationBuilder AddMessaging(this IHostApplicationBuilder builder, TopologyAccess topology)
    {
        builder.Services.AddSingleton(topology);
        builder.AddRabbitMQClient(MessagingOptions.ConnectionName);
        builder.Services.AddOptions<MessagingOptions>().BindConfiguration(MessagingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ConfirmedPublisher>();
        return builder;
    }
}
