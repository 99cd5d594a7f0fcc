using ImageJobs.Worker;
using ImageJobs.Worker.Cli;
using ImageJobs.Worker.Processing;

if (args is [RenderCommand.Name, .. var renderArgs])
{
    return RenderCommand.Run(renderArgs, Console.Out, Console.Error);
}

var builder = Host.CreateApplicationBuilder(args);

builder.AddServiceDefaults();
builder.AddWorkerServices();
builder.Services.AddHostedService<JobConsumerService>();

builder.Build().Run();
return 0;
