-- AlterTable
ALTER TABLE "invitation" ADD COLUMN "phone" TEXT;
