using System.Diagnostics;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using ImageJobs.AppHost.Infrastructure;
using RabbitMQ.Client;

namespace ImageJobs.Tests.Support;

/// <summary>
/// A real RabbitMQ and a real Azurite (blobs and tables) for integration tests, started as local processes with
/// the AppHost's own scripts (so those are exercised too), on free loopback ports.
/// </summary>
public sealed class LocalInfrastructure : IAsyncLifetime, IDisposable
{
    private readonly ScratchDirectory _data = new("imagejobs-infra");
    private readonly List<Process> _processes = [];
    private readonly Dictionary<BrokerRole, string> _roleConnectionStrings = [];

    /// <summary>The broker's administrator: tests set up and inspect the broker with it.</summary>
    public string RabbitMQConnectionString { get; private set; } = string.Empty;

    public string BlobConnectionString { get; private set; } = string.Empty;

    /// <summary>Azurite's table service: the producers' shared batch state.</summary>
    public string TableConnectionString { get; private set; } = string.Empty;

    /// <summary>A marker every process of this fixture carries (its data folder).</summary>
    public string Marker => _data.Path;

    public async Task InitializeAsync()
    {
        var amqpPort = LoopbackPorts.Next();
        var blobPort = LoopbackPorts.Next();
        var tablePort = LoopbackPorts.Next();
        var password = Guid.NewGuid().ToString("N");
        RabbitMQConnectionString = $"amqp://imagejobs:{password}@127.0.0.1:{amqpPort}";
        BlobConnectionString = AzuriteConnectionString(blobPort);
        TableConnectionString = AzuriteTableConnectionString(tablePort);

        var rabbit = new ProcessStartInfo("bash", [Path.Combine(Repository.AppHostScripts, "supervise.sh"), Path.Combine(Repository.AppHostScripts, "rabbitmq.sh")]);
        rabbit.Environment["RABBITMQ_NODE_PORT"] = amqpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        rabbit.Environment["RABBITMQ_DIST_PORT"] = LoopbackPorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        rabbit.Environment["ERL_EPMD_PORT"] = LoopbackPorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        rabbit.Environment["IMAGEJOBS_RABBITMQ_DATA"] = Path.Combine(_data.Path, "rabbitmq");
        rabbit.Environment[BrokerUsers.AdminUserVariable] = "imagejobs";
        rabbit.Environment[BrokerUsers.AdminPasswordVariable] = password;
        foreach (var role in BrokerUsers.Roles)
        {
            var rolePassword = Guid.NewGuid().ToString("N");
            rabbit.Environment[BrokerUsers.PasswordVariable(role)] = rolePassword;
            _roleConnectionStrings[role] = $"amqp://{BrokerUsers.UserName(role)}:{rolePassword}@127.0.0.1:{amqpPort}";
        }

        _processes.Add(Start(rabbit));

        _processes.Add(StartAzurite(blobPort, Path.Combine(_data.Path, "azurite")));
        _processes.Add(StartAzurite(AzuriteService.Table, tablePort, Path.Combine(_data.Path, "azurite-table")));

        await WaitUntilAsync(async () =>
        {
            await using var connection = await ConnectAsync();
            return connection.IsOpen;
        }, "RabbitMQ");
        await WaitForBlobServiceAsync(BlobConnectionString);
        await WaitForTableServiceAsync(TableConnectionString);
    }

    /// <summary>What a service needs to run against this infrastructure, with blob containers of its own.</summary>
    public Dictionary<string, string?> ServiceSettings(string containerSuffix, string? blobConnectionString = null) => new()
    {
        ["ConnectionStrings:messaging"] = RabbitMQConnectionString,
        ["ConnectionStrings:blobs"] = blobConnectionString ?? BlobConnectionString,
        ["Storage:SourcesContainer"] = $"sources-{containerSuffix}",
        ["Storage:ResultsContainer"] = $"results-{containerSuffix}",
        ["Storage:BatchesContainer"] = $"batches-{containerSuffix}",
        ["Storage:TemplatesContainer"] = $"templates-{containerSuffix}",
        ["Storage:ControlsContainer"] = $"controls-{containerSuffix}",
        ["Storage:FontsContainer"] = $"fonts-{containerSuffix}",
        ["ConnectionStrings:tables"] = TableConnectionString,
        ["BatchState:Table"] = TableName(containerSuffix),
        ["ApiKeys:Table"] = "apikeys" + new string(containerSuffix.Where(char.IsAsciiLetterOrDigit).ToArray()),
    };

    /// <summary>A batch table of a test's own (table names are letters and digits only).</summary>
    public static string TableName(string suffix) => "batches" + new string(suffix.Where(char.IsAsciiLetterOrDigit).ToArray());

    public TableServiceClient Tables() => new(TableConnectionString);

    public static string AzuriteConnectionString(int port) => EmulatorConnectionString(AzuriteService.Blob, port);

    public static string AzuriteTableConnectionString(int port) => EmulatorConnectionString(AzuriteService.Table, port);

    private static string EmulatorConnectionString(AzuriteService service, int port) =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Azurite.AccountKey};{service.EndpointKey}=http://127.0.0.1:{port}/devstoreaccount1;";

    /// <summary>An Azurite blob service of its own (for outage tests); stop it with SIGTERM.</summary>
    public static Process StartAzurite(int port, string dataDirectory) => StartAzurite(AzuriteService.Blob, port, dataDirectory);

    public static Process StartAzurite(AzuriteService service, int port, string dataDirectory) =>
        Start(new ProcessStartInfo("bash", [Path.Combine(Repository.AppHostScripts, "supervise.sh"), .. Azurite.Command(service.Program), .. service.Args("127.0.0.1", port, dataDirectory)])
        {
            Environment = { ["SUPERVISE_STOP_SIGNAL"] = Azurite.StopSignal },
        });

    public static Task WaitForBlobServiceAsync(string connectionString) => WaitUntilAsync(async () =>
    {
        await new BlobServiceClient(connectionString).GetPropertiesAsync();
        return true;
    }, "Azurite");

    private static Task WaitForTableServiceAsync(string connectionString) => WaitUntilAsync(async () =>
    {
        await new TableServiceClient(connectionString).GetPropertiesAsync();
        return true;
    }, "Azurite tables");

    public Task<IConnection> ConnectAsync() =>
        new ConnectionFactory { Uri = new Uri(RabbitMQConnectionString) }.CreateConnectionAsync();

    /// <summary>The connection string a service of this role gets from the AppHost.</summary>
    public string ConnectionString(BrokerRole role) => _roleConnectionStrings[role];

    public BlobServiceClient Blobs() => new(BlobConnectionString);

    private static Process Start(ProcessStartInfo startInfo)
    {
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        var process = Process.Start(startInfo)!;
        // Drain the output so the broker never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> ready, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await ready())
                {
                    return;
                }
            }
            catch (Exception ex)
            {
                last = ex;
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"{what} did not become ready in 90 s.", last);
    }

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            Processes.Signal(process.Id, Processes.SigTerm);
        }

        foreach (var process in _processes)
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30)).ContinueWith(_ => { }, TaskScheduler.Default);
            process.Dispose();
        }
    }

    public void Dispose() => _data.Dispose();
}

[CollectionDefinition(Name)]
public sealed class LocalInfrastructureGroup : ICollectionFixture<LocalInfrastructure>
{
    public const string Name = "Local RabbitMQ and Azurite";
}
