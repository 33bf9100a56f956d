//! Dispatches a [`LoginInput`] to the flow its scheme names.

use crate::error::LoginError;
use crate::login::{Events, LoginInput};
use crate::settings::Settings;
use tokio_util::sync::CancellationToken;

pub async fn run_login(
    _input: LoginInput,
    _events: Events,
    _cancel: CancellationToken,
) -> Result<Settings, LoginError> {
    // Being built in the core issue; the TUI codes against this signature.
    Err(LoginError::Other("login is not built yet".into()))
}
