//! Storage traits (filled in below).
