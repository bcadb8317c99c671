using HealthPlatform.Consent.Infrastructure;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace HealthPlatform.Consent.Infrastructure.Migrations
{
    /// <summary>
    /// A consent's head row can only move forward with its history: every change of <c>consents</c>
    /// must point at the next version, which must exist by the end of the transaction, carry the same
    /// status and belong to the same consent and patient. So no role — the service's included — can
    /// switch a consent off or on, or roll it back, without recording a version (and so an audit
    /// event and a fan-out). A version's fan-out mark is set once and never cleared. The schema's
    /// owner alone could drop these triggers; the service does not run as it (ADR-011).
    /// </summary>
    [DbContext(typeof(ConsentDbContext))]
    [Migration("20261129060000_ConsentHeadFollowsHistory")]
    public partial class ConsentHeadFollowsHistory : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE FUNCTION consent_head_follows_history() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.id <> OLD.id OR NEW.patient_id <> OLD.patient_id OR NEW.version <> OLD.version + 1
                       OR NOT EXISTS (SELECT 1 FROM consent_versions v
                                      WHERE v.consent_id = NEW.id AND v.version = NEW.version
                                        AND v.patient_id = NEW.patient_id AND v.status = NEW.status) THEN
                        RAISE EXCEPTION 'consent %: the current version may only move to a new recorded version with its status', OLD.id
                            USING ERRCODE = 'integrity_constraint_violation';
                    END IF;
                    RETURN NULL;
                END $$;
                CREATE CONSTRAINT TRIGGER consents_follow_history AFTER UPDATE ON consents
                    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION consent_head_follows_history();

                CREATE FUNCTION consent_version_published_once() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF OLD.published_at IS NOT NULL AND NEW.published_at IS DISTINCT FROM OLD.published_at THEN
                        RAISE EXCEPTION 'consent % version %: the fan-out mark is set once', OLD.consent_id, OLD.version
                            USING ERRCODE = 'integrity_constraint_violation';
                    END IF;
                    RETURN NEW;
                END $$;
                CREATE TRIGGER consent_versions_published_once BEFORE UPDATE ON consent_versions
                    FOR EACH ROW EXECUTE FUNCTION consent_version_published_once();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP FUNCTION consent_head_follows_history() CASCADE;
                DROP FUNCTION consent_version_published_once() CASCADE;
                """);
        }
    }
}
