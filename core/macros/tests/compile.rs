//! What `#[edgemcp::tools]` accepts, and the errors it gives for each misuse.

#[test]
fn misuse_is_refused_with_a_clear_message() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass_*.rs");
    cases.compile_fail("tests/ui/fail_*.rs");
}
