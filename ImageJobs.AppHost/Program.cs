using ImageJobs.AppHost;
using ImageJobs.AppHost.Infrastructure;

var builder = DistributedApplication.CreateBuilder(args);

// Containers where a container runtime is healthy, local processes where none is.
var infrastructure = builder.ChooseInfrastructureMode();

var messaging = builder.AddMessaging("messaging", infrastructure);
var blobs = builder.AddBlobStorage("blobs", infrastructure);

var producer = builder.AddProject<Projects.ImageJobs_Producer>("producer")
    .WithReference(messaging).WaitFor(messaging)
    .WithReference(blobs).WaitFor(blobs)
    .WithBlobContainers()
    .WithDemoBatch()
    .WithHttpHealthCheck("/health")
    .WithExternalHttpEndpoints()
    .WithUrlAnnouncement()
    .WithOperatorCommands();

builder.AddProject<Projects.ImageJobs_Worker>("worker")
    .WithReplicas(builder.WorkerReplicas())
    .WithReference(messaging).WaitFor(messaging)
    .WithReference(blobs).WaitFor(blobs)
    .WithBlobContainers()
    .WithFewMallocArenas()
    .WaitFor(producer);

builder.Build().Run();
