//! The README's "What Sonora is" section is the about text from `daemon/proto/src/about.rs`,
//! verbatim: one source for `sonoractl about`, the tray's About and the README.

#[test]
fn readme_carries_the_about_text_verbatim() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let start = readme.find("<!-- about:start").expect("README has an about:start marker");
    let body_start = start + readme[start..].find("-->").unwrap() + 3;
    let end = readme.find("<!-- about:end -->").expect("README has an about:end marker");
    let section = readme[body_start..end].trim();
    assert_eq!(
        section,
        sonora_proto::about::about_markdown().trim(),
        "README's about section is out of date: paste the output of `sonoractl about --markdown`"
    );
}
