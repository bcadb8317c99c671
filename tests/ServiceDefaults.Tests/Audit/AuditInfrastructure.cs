using HealthPlatform.Testing;

namespace HealthPlatform.ServiceDefaults.Tests.Audit;

/// <summary>One RabbitMQ node, one Postgres and one Redis for all audit tests (each starts from an empty audit queue).</summary>
[CollectionDefinition(Name)]
public sealed class AuditInfrastructure : ICollectionFixture<RabbitMqServerFixture>, ICollectionFixture<PostgresServerFixture>, ICollectionFixture<RedisServerFixture>
{
    public const string Name = "audit";
}
