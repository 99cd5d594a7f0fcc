using ImageJobs.AppHost;
using ImageJobs.AppHost.Infrastructure;

var builder = DistributedApplication.CreateBuilder(args);

// Refused here, before anything starts, when the services could not agree.
var shared = SharedSettings.From(builder.Configuration);

// Containers where a container runtime is healthy, local processes where none is.
var infrastructure = builder.ChooseInfrastructureMode();

var messaging = builder.AddMessaging("messaging", infrastructure);
var accessKey = builder.AddProducerAccessKey();
var blobs = builder.AddBlobStorage("blobs", infrastructure);
// Batch and job state, shared by every producer replica.
var tables = builder.AddTableStorage("tables", infrastructure);

// Each service connects to the broker as its own role's user, with only that role's permissions.
var producer = builder.AddProject<Projects.ImageJobs_Producer>("producer")
    .WithReplicas(builder.ProducerReplicas())
    .WithBrokerUser(messaging, BrokerRole.Producer).WaitFor(messaging)
    .WithReference(blobs).WaitFor(blobs)
    .WithReference(tables).WaitFor(tables)
    .WithBlobContainers()
    .WithTemplatesContainer()
    .WithSharedSettings(shared, [.. SharedSettings.ProducerAndWorkers, SharedSettings.LostJobQuietPeriod])
    .WithDemoBatch()
    .WithWebhookPolicy()
    .WithHttpHealthCheck("/health")
    .WithExternalHttpEndpoints()
    .WithUrlAnnouncement()
    .WithOperatorCommands(accessKey);

builder.AddProject<Projects.ImageJobs_Worker>("worker")
    .WithReplicas(builder.WorkerReplicas())
    .WithBrokerUser(messaging, BrokerRole.Worker).WaitFor(messaging)
    .WithReference(blobs).WaitFor(blobs)
    .WithBlobContainers()
    .WithSharedSettings(shared, SharedSettings.ProducerAndWorkers)
    .WithFewMallocArenas()
    .WaitFor(producer);

builder.Build().Run();
