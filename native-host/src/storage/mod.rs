//! SQLite and filesystem implementations of the storage traits.
