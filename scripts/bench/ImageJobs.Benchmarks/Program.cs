using ImageJobs.Benchmarks;

// ImageJobs.Benchmarks [count=200] [--width 1920] [--height 1080] [--dir DIR]: the renderer against its baselines (RenderBenchmark)
// ImageJobs.Benchmarks pipeline ...: the whole pipeline (PipelineBenchmark)
// ImageJobs.Benchmarks layout [count=40000] [--rounds 3]: caption layout alone (LayoutBenchmark)
// ImageJobs.Benchmarks state [jobs=40000]: the producers' shared batch state (StateBenchmark)
// ImageJobs.Benchmarks templates [count=100] [--rounds 4]: a five-layer template against one caption (TemplateBenchmark)
// ImageJobs.Benchmarks preflight [rows=40000] [--rounds 3]: the pre-flight report of a three-text template against the plain layout (PreflightBenchmark)
// ImageJobs.Benchmarks publish-templates [jobs=40000] [--rounds 2]: publishing a five-layer batch against a caption batch (PublishRateBenchmark)
// ImageJobs.Benchmarks blocks [count=30] [--rounds 3]: the Blocks path against the full path and the codec floor (BlocksBenchmark)
// ImageJobs.Benchmarks job-memory [count=10]: one job's peak memory, each in a process of its own (JobMemoryBenchmark)
// ImageJobs.Benchmarks blocks-map SOURCE.jpg OUT.png [--width 960]: the Rendering README's picture of the blocks a caption changed (BlockMap)
// ImageJobs.Benchmarks scan [count=30] [--width 1920] [--height 1080]: the JPEG scan rewriter against TurboJPEG's lossless transform (ScanBenchmark)
// ImageJobs.Benchmarks bytes [count=20] [--real DIR]...: where a captioned JPEG's bytes go, and the encoder's options (BytesBenchmark)
return args switch
{
    ["blocks", .. var blocksArgs] => BlocksBenchmark.Run(blocksArgs),
    ["job-memory", .. var memoryArgs] => await JobMemoryBenchmark.RunAsync(memoryArgs),
    ["blocks-map", .. var mapArgs] => BlockMap.Run(mapArgs),
    ["bytes", .. var bytesArgs] => BytesBenchmark.Run(bytesArgs),
    ["scan", .. var scanArgs] => ScanBenchmark.Run(scanArgs),
    ["pipeline", .. var pipelineArgs] => await PipelineBenchmark.RunAsync(pipelineArgs),
    ["layout", .. var layoutArgs] => LayoutBenchmark.Run(layoutArgs),
    ["state", .. var stateArgs] => await StateBenchmark.RunAsync(stateArgs),
    ["preflight", .. var preflightArgs] => PreflightBenchmark.Run(preflightArgs),
    ["templates", .. var templateArgs] => TemplateBenchmark.Run(templateArgs),
    ["publish-templates", .. var publishArgs] => await PublishRateBenchmark.RunAsync(publishArgs),
    _ => await RenderBenchmark.RunAsync(args),
};
