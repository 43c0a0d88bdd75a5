//! The read guard against SQLite on arbitrary input: whatever the guard admits, SQLite
//! must prepare as one read-only statement that does only what the policy allows. The
//! same check the test suite runs on generated statements (`native-host/tests/
//! sql_differential.rs`), for as long as the fuzzer runs.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::cell::RefCell;

#[path = "../../native-host/tests/common/differential.rs"]
mod differential;

thread_local! {
    static CONNECTION: RefCell<rusqlite::Connection> = RefCell::new(differential::connection());
}

fuzz_target!(|data: &[u8]| {
    let Ok(sql) = std::str::from_utf8(data) else {
        return;
    };
    CONNECTION.with(|conn| {
        if let Err(disagreement) = differential::check(&mut conn.borrow_mut(), sql) {
            panic!("{disagreement}");
        }
    });
});
