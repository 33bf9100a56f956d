//! What the wizard hands to the desktop's opener: a hostile server's
//! `verification_uri_complete` (or any link) that is not http(s) is refused
//! before a program runs, and the person is told why.

use oauth_setup::settings::KeySource;
use oauth_setup::tui::{Action, Effect, Executor};
use std::time::Duration;

#[test]
fn the_wizard_opens_only_web_addresses() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let dir = tempfile::tempdir().unwrap();
    let mut exec = Executor::new(
        rt.handle().clone(),
        tx,
        Vec::new(),
        KeySource::Default(dir.path().join("key")),
    );
    for url in [
        "file:///etc/passwd",
        "smb://evil.example/share",
        "x-github-client://openRepo/x",
        "javascript:alert(1)",
    ] {
        let _ = exec.execute(Effect::OpenUrl(url.to_string()));
        let notice =
            rt.block_on(async { tokio::time::timeout(Duration::from_secs(5), rx.recv()).await });
        match notice {
            Ok(Some(Action::Notice(text))) => assert!(
                text.contains("only http and https addresses are opened"),
                "{url}: {text}"
            ),
            other => panic!("{url} was not refused: {other:?}"),
        }
    }
}
