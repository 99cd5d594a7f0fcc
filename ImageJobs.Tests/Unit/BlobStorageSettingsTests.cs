using Microsoft.Extensions.Hosting;

namespace ImageJobs.Tests.Unit;

[Trait("Category", "Unit")]
public class BlobStorageSettingsTests
{
    [Fact]
    public void A_service_uri_selects_token_credentials()
    {
        var settings = new BlobStorageSettings();
        BlobStorageExtensions.ApplyConnectionString(settings, "https://account.blob.core.windows.net/");

        Assert.Equal(new Uri("https://account.blob.core.windows.net/"), settings.ServiceUri);
        Assert.Null(settings.ConnectionString);
        Assert.Equal("account", BlobStorageExtensions.CreateClient(settings, "blobs").AccountName);
    }

    [Fact]
    public void Anything_else_is_a_connection_string()
    {
        var settings = new BlobStorageSettings();
        BlobStorageExtensions.ApplyConnectionString(settings, "UseDevelopmentStorage=true");

        Assert.Equal("UseDevelopmentStorage=true", settings.ConnectionString);
        Assert.Null(settings.ServiceUri);
    }

    [Fact]
    public void Missing_configuration_names_the_setting_to_fill()
    {
        var error = Assert.Throws<InvalidOperationException>(() => BlobStorageExtensions.CreateClient(new BlobStorageSettings(), "blobs"));

        Assert.Contains("ConnectionStrings:blobs", error.Message, StringComparison.Ordinal);
    }
}
