//! The shared behaviour suite of `apitoolkit-testkit` (one `#[test]` per scenario) run on
//! actix-web; the adapter and its scenario app are in `support/mod.rs`.

mod support;

apitoolkit_testkit::adapter_suite!(support::Actix);
