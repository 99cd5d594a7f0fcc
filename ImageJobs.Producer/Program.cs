using ImageJobs.Producer;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddProducerServices();

var app = builder.Build();

app.MapProducerEndpoints();
app.MapDefaultEndpoints();

app.Run();
