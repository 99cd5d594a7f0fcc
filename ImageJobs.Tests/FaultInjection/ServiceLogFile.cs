using Microsoft.Extensions.Logging;

namespace ImageJobs.Tests.FaultInjection;

/// <summary>
/// Every line the services write, appended to one file (IMAGEJOBS_FAULT_LOG): what a failed
/// scenario's producers and workers said, which the test output does not keep.
/// </summary>
public sealed class ServiceLogFile(string path) : ILoggerProvider
{
    private readonly StreamWriter _writer = new(path, append: true) { AutoFlush = true };
    private readonly Lock _lock = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() => _writer.Dispose();

    private void Write(string category, string message)
    {
        lock (_lock)
        {
            _writer.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {category} {message}");
        }
    }

    private sealed class Logger(ServiceLogFile file, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            file.Write(category, exception is null ? formatter(state, exception) : $"{formatter(state, exception)} {exception}");
    }
}
