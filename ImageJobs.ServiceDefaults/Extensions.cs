namespace ImageJobs.ServiceDefaults; public static class Placeholder {}
