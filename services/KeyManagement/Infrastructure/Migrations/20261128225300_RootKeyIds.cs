using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace HealthPlatform.KeyManagement.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class RootKeyIds : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "root_key_id",
                table: "key_versions",
                type: "character varying(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "root_key_id",
                table: "key_versions");
        }
    }
}
