//! Help texts, embedded so the binary needs no files at run time.

use super::state::Screen;

pub fn text(screen: Screen) -> &'static str {
    match screen {
        Screen::Home => include_str!("../../assets/help/home.md"),
        Screen::Provider => include_str!("../../assets/help/provider.md"),
        Screen::Method => include_str!("../../assets/help/method.md"),
        Screen::Setup => include_str!("../../assets/help/setup.md"),
        Screen::Scopes => include_str!("../../assets/help/scopes.md"),
        Screen::Credentials => include_str!("../../assets/help/credentials.md"),
        Screen::Authorize => include_str!("../../assets/help/authorize.md"),
        Screen::Test => include_str!("../../assets/help/test.md"),
        Screen::Save => include_str!("../../assets/help/save.md"),
    }
}
