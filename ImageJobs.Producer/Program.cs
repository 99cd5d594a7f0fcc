using ImageJobs.Producer;
using ImageJobs.Worker;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddWorkerServices();
builder.AddProducerServices();

var app = builder.Build();

app.MapProducerEndpoints();
app.MapDefaultEndpoints();

app.Run();
