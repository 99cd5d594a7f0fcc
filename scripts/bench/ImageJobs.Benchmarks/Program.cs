using ImageJobs.Benchmarks;

// ImageJobs.Benchmarks [count=200] [--width 1920] [--height 1080] [--dir DIR]: the renderer against its baselines (RenderBenchmark)
// ImageJobs.Benchmarks pipeline ...: the whole pipeline (PipelineBenchmark)
return args is ["pipeline", .. var pipelineArgs]
    ? await PipelineBenchmark.RunAsync(pipelineArgs)
    : await RenderBenchmark.RunAsync(args);
