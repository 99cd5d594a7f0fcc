using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("ImageJobs.Tests")]
