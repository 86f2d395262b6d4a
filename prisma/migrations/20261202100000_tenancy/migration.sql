-- DropIndex
DROP INDEX "identity_namespace_identifier_key";

-- AlterTable
ALTER TABLE "api_token" ADD COLUMN     "role" "member_role";

-- AlterTable
ALTER TABLE "identity" ADD COLUMN     "workspace_id" UUID;

-- CreateTable
CREATE TABLE "invitation" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "token_hash" TEXT NOT NULL,
    "role" "member_role" NOT NULL DEFAULT 'member',
    "user_id" UUID,
    "email" TEXT,
    "invited_by_user_id" UUID,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "accepted_at" TIMESTAMPTZ(3),
    "accepted_by_user_id" UUID,
    "canceled_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "invitation_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "invitation_token_hash_key" ON "invitation"("token_hash");

-- CreateIndex
CREATE INDEX "invitation_workspace_id_created_at_idx" ON "invitation"("workspace_id", "created_at");

-- CreateIndex
CREATE INDEX "api_token_workspace_id_created_at_idx" ON "api_token"("workspace_id", "created_at");

-- CreateIndex
CREATE INDEX "identity_namespace_identifier_idx" ON "identity"("namespace", "identifier");

-- AddForeignKey
ALTER TABLE "invitation" ADD CONSTRAINT "invitation_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written. Identities an admin asserted are scoped to the workspace of that admin.
-- The auth identity of a user is the person themselves and stays hub-wide.
UPDATE "identity" SET "source" = 'self' WHERE "namespace" = 'auth' AND "source" = 'admin';
-- Every other admin-asserted identity belongs to the workspaces its user was a member of.
-- The earliest membership keeps the row and later memberships get a copy, so no workspace loses
-- what its admin linked and none trusts what the admin of another workspace linked.
UPDATE "identity" AS i SET "workspace_id" = first_member."workspace_id"
FROM (
    SELECT DISTINCT ON ("user_id") "user_id", "workspace_id"
    FROM "workspace_member" ORDER BY "user_id", "created_at", "workspace_id"
) AS first_member
WHERE i."source" = 'admin' AND i."user_id" = first_member."user_id";
INSERT INTO "identity" ("id", "user_id", "namespace", "identifier", "source", "workspace_id", "status", "created_at")
SELECT gen_random_uuid(), i."user_id", i."namespace", i."identifier", i."source", m."workspace_id", i."status", i."created_at"
FROM "identity" AS i
JOIN "workspace_member" AS m ON m."user_id" = i."user_id" AND m."workspace_id" <> i."workspace_id"
WHERE i."source" = 'admin';

-- Hand-written: one hub-wide identity per key, and one per workspace for admin-asserted ones.
CREATE UNIQUE INDEX "identity_scope_key"
    ON "identity" ("namespace", "identifier", COALESCE("workspace_id", '00000000-0000-0000-0000-000000000000'::uuid));

-- Hand-written: an app id is unique among active installations only, so a revoked installation no
-- longer blocks a new installation of the same app.
DROP INDEX "channel_installation_app_id_key";
CREATE UNIQUE INDEX "channel_installation_active_app_id_key"
    ON "channel_installation" ("channel_type", ("config"->>'app_id'))
    WHERE "status" = 'active' AND "config" ? 'app_id';
