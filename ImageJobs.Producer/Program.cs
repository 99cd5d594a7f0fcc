using ImageJobs.Producer;

var builder = WebApplication.CreateBuilder(args);
builder.AddProducer();

var app = builder.Build();
app.MapProducer();

app.Run();
