using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using HealthPlatform.ServiceDefaults.Security;

namespace HealthPlatform.ServiceDefaults.Tests.Security;

public sealed class ServiceIdentityTests
{
    [Fact]
    public void FromCertificate_WithOnePlatformUri_ReadsTheName()
    {
        using var certificate = WithUris("spiffe://healthplatform/records");

        Assert.Equal("records", ServiceIdentity.FromCertificate(certificate));
    }

    [Theory]
    [InlineData("spiffe://healthplatform/ns/x/../../records")]
    [InlineData("spiffe://HealthPlatform/records")]
    [InlineData("spiffe://healthplatform:443/records")]
    [InlineData("spiffe://user@healthplatform/records")]
    [InlineData("spiffe://healthplatform/Records")]
    [InlineData("spiffe://healthplatform/records/")]
    [InlineData("spiffe://other/records")]
    [InlineData("https://healthplatform/records")]
    [InlineData("spiffe://healthplatform/")]
    public void FromCertificate_WithAnythingButTheExactForm_FindsNoIdentity(string uri)
    {
        using var certificate = WithUris(uri);

        Assert.Null(ServiceIdentity.FromCertificate(certificate));
    }

    [Fact]
    public void FromCertificate_WithTwoUris_FindsNoIdentity()
    {
        using var certificate = WithUris("spiffe://healthplatform/records", "spiffe://healthplatform/audit");

        Assert.Null(ServiceIdentity.FromCertificate(certificate));
    }

    [Fact]
    public void FromCertificate_WithoutSubjectAlternativeNames_FindsNoIdentity()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new CertificateRequest("CN=spiffe://healthplatform/records", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));

        Assert.Null(ServiceIdentity.FromCertificate(certificate));
    }

    private static X509Certificate2 WithUris(params string[] uris)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=test", key, HashAlgorithmName.SHA256);
        // Written by hand: SubjectAlternativeNameBuilder would normalise the URIs (which is the point here).
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteCharacterString(UniversalTagNumber.IA5String, "localhost", new Asn1Tag(TagClass.ContextSpecific, 2));
            foreach (var uri in uris)
            {
                writer.WriteCharacterString(UniversalTagNumber.IA5String, uri, new Asn1Tag(TagClass.ContextSpecific, 6));
            }
        }

        request.CertificateExtensions.Add(new X509Extension("2.5.29.17", writer.Encode(), critical: false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
    }
}
