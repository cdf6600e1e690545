/* migrations_early.h -- internal to store/: the first migrations of
 * SQLite's list (1 to 12, store/migrations_early.c), by name, for
 * store/migrations.c's db_migrations. */
#ifndef TAAWUN_STORE_MIGRATIONS_EARLY_H
#define TAAWUN_STORE_MIGRATIONS_EARLY_H

extern const char db_migration_1[], db_migration_2[], db_migration_3[], db_migration_4[],
    db_migration_5[], db_migration_6[], db_migration_7[], db_migration_8[], db_migration_9[],
    db_migration_10[], db_migration_11[], db_migration_12[];

#endif
