//! Signing in: what a sign-in needs ([`LoginInput`]), resolving it against a
//! provider profile, running the grant, and what the result records. The
//! paste flow (`auth-url` / `exchange`) and its pending state live here too.

pub mod account;
mod again;
#[cfg(test)]
pub(crate) use again::tests as again_tests;
mod deliver;
mod error;
mod input;
pub mod paste;
pub mod pending;
mod record;
pub mod recovery;
pub mod register;
mod resolve;
mod run;

pub use again::{Edits, again, keep};
pub use deliver::{DeliverError, deliver, remote_shell};
pub use error::{LoginError, Needed};
pub use input::LoginInput;
#[cfg(test)]
pub(crate) use record::document as record_document;
pub use record::{DEFAULT_TIMEOUT, apply_tokens};
pub use resolve::{Resolved, resolve};
pub use run::run_login_with;
