using ImageJobs.Producer;
using ImageJobs.Producer.Startup;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ImageJobs.Tests.Support;

/// <summary>The real producer, in process on a free loopback port, against the test infrastructure.</summary>
public sealed record InProcessProducer(WebApplication App, HttpClient Http, string Address) : IAsyncDisposable
{
    public static async Task<InProcessProducer> StartAsync(LocalInfrastructure infrastructure, string containerSuffix,
        IDictionary<string, string?>? settings = null, Action<WebApplicationBuilder>? configure = null,
        string environmentName = "Development")
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            // As the AppHost runs it locally; elsewhere the producer wants an access key.
            EnvironmentName = environmentName,
            // The producer's own content root, so its wwwroot (the web page) is served as in production.
            ContentRootPath = AppContext.BaseDirectory,
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });
        builder.Configuration.AddInMemoryCollection(infrastructure.ServiceSettings(containerSuffix));
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.WebHost.UseUrls("http://127.0.0.1:0");
        // What Program.cs registers and maps, service defaults included.
        builder.AddProducer();
        configure?.Invoke(builder);
        var app = builder.Build();
        app.MapProducer();
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        // Serving before containers and queues exist would make the first test requests race them.
        await app.Services.GetRequiredService<InfrastructureInitializer>().Ready.WaitAsync(TimeSpan.FromSeconds(60));
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new InProcessProducer(app, new HttpClient { BaseAddress = new Uri(address) }, address);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
