using ImageJobs.Producer.Batches;
using ImageJobs.Producer;
using ImageJobs.Worker;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddWorkerServices();
builder.AddProducerServices();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapBatchEndpoints();
app.MapDefaultEndpoints();

app.Run();
