using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ImageJobs.Tests.Support;

/// <summary>One log entry with the properties of its scopes and its own message template.</summary>
public sealed record CapturedLog(string Category, string Message, IReadOnlyDictionary<string, object?> Properties,
    LogLevel Level = LogLevel.Information, Exception? Exception = null);

/// <summary>A logger provider that keeps every entry with its structured properties, for assertions on logs.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public ConcurrentQueue<CapturedLog> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var properties = new Dictionary<string, object?>(StringComparer.Ordinal);
            provider._scopes.ForEachScope((scope, props) => Add(scope, props), properties);
            Add(state, properties);
            provider.Entries.Enqueue(new CapturedLog(category, formatter(state, exception), properties, logLevel, exception));
        }

        private static void Add(object? state, Dictionary<string, object?> properties)
        {
            // Also matches IEnumerable<KeyValuePair<string, object>> (such as a scope's
            // Dictionary<string, object>): nullability is not part of the runtime type.
            if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                foreach (var (key, value) in pairs)
                {
                    properties[key] = value;
                }
            }
        }
    }
}
