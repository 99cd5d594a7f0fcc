using ImageJobs.Worker;
using ImageJobs.Worker.Cli;
using ImageJobs.Worker.Processing;

if (args is [RenderCommand.Name, ..])
{
    return RenderCommand.Run(args, Console.Out, Console.Error);
}

var builder = Host.CreateApplicationBuilder(args);

builder.AddServiceDefaults();
builder.AddWorkerServices();
builder.Services.AddHostedService<JobConsumerService>();

builder.Build().Run();
return 0;
