using ImageJobs.Worker;

var builder = Host.CreateApplicationBuilder(args);

builder.AddServiceDefaults();
builder.AddWorkerServices();
builder.Services.AddHostedService<ImageJobs.Worker.Processing.JobConsumerService>();

builder.Build().Run();
