using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace HealthPlatform.Identity.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class UniquePatientAccount : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_AspNetUsers_PatientId",
                table: "AspNetUsers",
                column: "PatientId",
                unique: true,
                filter: "\"PatientId\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_AspNetUsers_PatientId",
                table: "AspNetUsers");
        }
    }
}
