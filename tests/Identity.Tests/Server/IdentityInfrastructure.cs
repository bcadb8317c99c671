using HealthPlatform.Testing;

namespace HealthPlatform.Identity.Tests.Server;

/// <summary>Postgres, Redis and RabbitMQ for the identity service tests.</summary>
[CollectionDefinition(Name)]
public sealed class IdentityInfrastructure : ICollectionFixture<PostgresServerFixture>, ICollectionFixture<RedisServerFixture>, ICollectionFixture<RabbitMqServerFixture>
{
    public const string Name = "identity";
}
