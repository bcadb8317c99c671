using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.Health;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HealthPlatform.ServiceDefaults.Messaging;

public static class MessagingExtensions
{
    /// <summary>
    /// Connects MassTransit to RabbitMQ from <c>ConnectionStrings:messaging</c> (an <c>amqp://</c>
    /// URI), names each service's queues after the service, and reports the bus as the
    /// readiness check <c>messaging</c>. Registers the audit producer, <see cref="IAuditTrail"/>.
    /// </summary>
    public static IHostApplicationBuilder AddPlatformMessaging(
        this IHostApplicationBuilder builder,
        Action<IBusRegistrationConfigurator>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var broker = RabbitMqAddress.Parse(builder.Configuration.GetRequiredConnectionString(ResourceNames.Messaging));
        var serviceName = builder.Environment.ApplicationName;

        // On shutdown the broker may already be gone (the AppHost stops everything at once, a
        // node may be drained): give the bus a bounded time to stop instead of waiting on it.
        builder.Services.Configure<MassTransitHostOptions>(host => host.StopTimeout = TimeSpan.FromSeconds(5));

        builder.Services.AddMassTransit(bus =>
        {
            bus.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(prefix: serviceName, includeNamespace: false));
            bus.ConfigureHealthCheckOptions(health =>
            {
                health.Name = ResourceNames.Messaging;
                health.Tags.Clear();
                health.Tags.Add(HealthTags.Ready);
            });
            configure?.Invoke(bus);

            bus.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.Host(broker.Host, broker.Port, broker.VirtualHost, serviceName, host =>
                {
                    host.Username(broker.UserName);
                    host.Password(broker.Password);

                    // A send completes only when the broker has the message: the audit trail depends on it.
                    host.PublisherConfirmation = true;
                });
                rabbit.ConfigureEndpoints(context);
            });
        });
        builder.AddAuditTrail();
        return builder;
    }
}
