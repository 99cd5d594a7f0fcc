using System.Threading.RateLimiting;
using ImageJobs.Messaging;
using ImageJobs.Producer.Access;
using ImageJobs.Producer.ApiReference;
using ImageJobs.Producer.Batches;
using ImageJobs.Producer.Control;
using ImageJobs.Producer.Demo;
using ImageJobs.Producer.Fonts;
using ImageJobs.Producer.Outputs;
using ImageJobs.Producer.Preflight;
using ImageJobs.Producer.Preview;
using ImageJobs.Producer.Problems;
using ImageJobs.Producer.Sources;
using ImageJobs.Producer.Startup;
using ImageJobs.Producer.Telemetry;
using ImageJobs.Producer.Templates;
using ImageJobs.Producer.Webhooks;
using ImageJobs.Rendering;
using ImageJobs.Storage;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.Extensions.Options;

namespace ImageJobs.Producer;

public static class ProducerServiceExtensions
{
    /// <summary>Everything the producer's host registers: the service defaults, then its own services (Program.cs and the tests' host alike).</summary>
    public static WebApplicationBuilder AddProducer(this WebApplicationBuilder builder)
    {
        builder.AddServiceDefaults();
        return builder.AddProducerServices();
    }

    /// <summary>Everything the producer's host serves: its endpoints, then the service defaults' health endpoints.</summary>
    public static WebApplication MapProducer(this WebApplication app)
    {
        app.MapProducerEndpoints();
        app.MapDefaultEndpoints();
        return app;
    }

    public static WebApplicationBuilder AddProducerServices(this WebApplicationBuilder builder)
    {
        builder.AddMessaging(TopologyAccess.Declare);
        builder.AddBlobContainers();
        builder.AddBatchState();
        builder.AddWebhooks();
        builder.AddBatchControl();
        // Previews and sample images: the workers' engine, with the workers' limits.
        builder.AddRenderer();
        builder.Services.AddMetrics();
        builder.Services.AddApiDescription();

        builder.Services.AddProblemDetails(problems => problems.CustomizeProblemDetails = context =>
        {
            // The binder answers a body of the wrong kind itself (415, no exception): say which header is wrong.
            if (context.ProblemDetails.Status == StatusCodes.Status415UnsupportedMediaType && context.ProblemDetails is not HttpValidationProblemDetails)
            {
                context.ProblemDetails.Extensions["errors"] = new Dictionary<string, string[]>
                {
                    ["Content-Type"] = [$"'{context.HttpContext.Request.ContentType}' is not a kind of body this endpoint reads."],
                };
            }
        });
        // Requests the binder cannot read reach BadRequestHandler in every environment (by default
        // only Development throws them; elsewhere they are a bare 400 that names nothing).
        builder.Services.Configure<RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        builder.Services.AddExceptionHandler<BadRequestHandler>();
        // Without a key (Development, on loopback) only loopback host names: a page on another
        // site whose name is made to resolve to 127.0.0.1 (DNS rebinding) would otherwise be same-origin.
        builder.Services.AddOptions<HostFilteringOptions>().PostConfigure<IOptions<AccessOptions>>((hosts, access) =>
        {
            if (string.IsNullOrEmpty(access.Value.Key))
            {
                hosts.AllowedHosts = ["localhost", "127.0.0.1", "[::1]"];
            }
        });
        builder.Services.AddOptions<PreviewOptions>().BindConfiguration(PreviewOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(PreviewOptions.ConcurrencyPolicy, context => RateLimitPartition.GetConcurrencyLimiter(string.Empty, _ => new ConcurrencyLimiterOptions
            {
                PermitLimit = context.RequestServices.GetRequiredService<IOptions<PreviewOptions>>().Value.MaxConcurrent,
                QueueLimit = 0,
            }));
            limiter.AddPolicy(UploadLimits.ConcurrencyPolicy, context => RateLimitPartition.GetConcurrencyLimiter(string.Empty, _ => new ConcurrencyLimiterOptions
            {
                PermitLimit = context.RequestServices.GetRequiredService<IOptions<UploadLimits>>().Value.MaxConcurrentUploads,
                QueueLimit = 0,
            }));
            // Every request of a key shares the key's bucket: its own rate, or ApiKeys:PermitsPerSecond.
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => ApiCaller.Of(context) is { } caller && caller != ApiCaller.Open
                ? RateLimitPartition.GetTokenBucketLimiter(caller.Name, _ => KeyBucket(context, caller))
                : RateLimitPartition.GetNoLimiter(string.Empty));
            limiter.OnRejected = (rejected, _) => rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
                ? TooBusy(rejected.HttpContext, $"The key '{ApiCaller.Of(rejected.HttpContext)?.Name}' is over its rate limit; try again after Retry-After.", retryAfter)
                : TooBusy(rejected.HttpContext, rejected.HttpContext.Request.Path.StartsWithSegments("/api/preview")
                    ? "Previews are being rendered at the limit; try again shortly."
                    : "Uploads are being read at the limit; try again shortly.");
        });
        builder.Services.AddOptions<AccessOptions>().BindConfiguration(AccessOptions.SectionName).ValidateDataAnnotations()
            .Validate<IHostEnvironment>((access, environment) => environment.IsDevelopment() || !string.IsNullOrEmpty(access.Key),
                "Access:Key must be set outside Development: without it the page and API are open to anyone who can reach them.")
            .ValidateOnStart();
        builder.Services.AddOptions<ApiKeyOptions>().BindConfiguration(ApiKeyOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ApiKeyStore>();
        builder.Services.AddOptions<BatchLimits>().BindConfiguration(BatchLimits.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<DemoOptions>().BindConfiguration(DemoOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<QueueSampler>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<QueueSampler>());
        builder.Services.AddSingleton<ProducerMetrics>();

        builder.Services.AddSingleton<BatchStore>();
        builder.Services.AddSingleton<JobDefinitions>();
        builder.Services.AddSingleton<BatchTracker>();
        builder.Services.AddSingleton<MessageParker>();
        builder.Services.AddSingleton<PublishingRuns>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<PublishingRuns>());
        builder.Services.AddSingleton<PublisherLease>();
        builder.Services.AddSingleton<BatchSubmitter>();
        builder.Services.AddSingleton<DeadLetterRequeuer>();
        builder.Services.AddSingleton<ManifestSubmitter>();
        builder.Services.AddSingleton<Preflight.SourceSizes>();
        builder.Services.AddSingleton<Preflight.Preflights>();
        builder.Services.AddTemplates();
        builder.Services.AddFonts();
        builder.Services.AddOptions<UploadLimits>().BindConfiguration(UploadLimits.SectionName).ValidateDataAnnotations()
            .Validate(uploads => uploads.MaxZipBytes <= uploads.MaxSpoolBytes, "Uploads:MaxZipBytes must not be more than Uploads:MaxSpoolBytes: a zip is spooled to temporary disk whole.")
            .ValidateOnStart();
        builder.Services.AddSingleton<SourceUploader>();
        builder.Services.AddSingleton<SpoolBudget>();

        builder.Services.AddSingleton<InfrastructureInitializer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<InfrastructureInitializer>());
        builder.Services.AddHealthChecks().AddCheck<InfrastructureInitializer>("infrastructure", tags: ["ready"]);
        builder.Services.AddOptions<OutcomeGroupOptions>().BindConfiguration(OutcomeGroupOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddHostedService<OutcomeConsumer>();
        builder.Services.AddOptions<LostJobOptions>().BindConfiguration(LostJobOptions.SectionName).ValidateDataAnnotations()
            .Validate<IOptions<MessagingOptions>>((lost, messaging) => messaging.Value.AllowsQuietPeriod(lost.QuietFor), MessagingOptions.QuietPeriodRule)
            .ValidateOnStart();
        builder.Services.AddHostedService<LostJobSweeper>();
        builder.Services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<RetentionSweeper>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RetentionSweeper>());
        builder.Services.AddHostedService<DemoBatchSeeder>();

        // Bound request bodies: a batch of 100,000 items is about 20 MB of JSON.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = 32 * 1024 * 1024);
        return builder;
    }

    /// <summary>The producer's HTTP surface: problem details for errors, the batch API and previews.</summary>
    public static WebApplication MapProducerEndpoints(this WebApplication app)
    {
        app.UseMiddleware<SecurityHeaders>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<AccessMiddleware>();
        app.UseRateLimiter();
        // The web page (wwwroot/index.html): plain files, nothing built, nothing from the network.
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.MapBatchEndpoints();
        app.MapBatchControlEndpoints();
        app.MapManifestEndpoints();
        app.MapPreflightEndpoints();
        app.MapTemplateEndpoints();
        app.MapFontEndpoints();
        app.MapOperatorEndpoints();
        app.MapSourceEndpoints();
        app.MapResultEndpoints();
        app.MapPreviewEndpoints();
        app.MapWebhookEndpoints();
        app.MapApiKeyEndpoints();
        app.MapApiDescription();
        return app;
    }

    /// <summary>A 429 with Retry-After as problem details: a limit on concurrent work is full, nothing was done.</summary>
    public static async ValueTask TooBusy(HttpContext context, string title, TimeSpan? retryAfter = null)
    {
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling((retryAfter ?? TimeSpan.FromSeconds(1)).TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = StatusCodes.Status429TooManyRequests, Title = title },
        });
    }

    private static TokenBucketRateLimiterOptions KeyBucket(HttpContext context, ApiCaller caller)
    {
        var keys = context.RequestServices.GetRequiredService<IOptions<ApiKeyOptions>>().Value;
        var perSecond = caller.PermitsPerSecond ?? keys.PermitsPerSecond;
        // Tokens come back ten times a second, so a rate below one per second still refills.
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = keys.Burst,
            TokensPerPeriod = Math.Max(1, (int)Math.Round(perSecond / 10)),
            ReplenishmentPeriod = TimeSpan.FromSeconds(Math.Max(1, (int)Math.Round(perSecond / 10)) / perSecond),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }
}
