//! Every scenario in `testdata/` (real Terraform output) against its reviewed snapshot: the
//! instances' verdicts per service, how each instance and endpoint link was resolved, and
//! the findings. A change here is a change in what users see: review it like code.

mod common;

#[test]
fn every_scenario_matches_its_snapshot() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for (name, path) in common::scenarios() {
            let report = common::analyze_file(&path);
            insta::assert_snapshot!(name.as_str(), common::snapshot_text(&report));
        }
    });
}
