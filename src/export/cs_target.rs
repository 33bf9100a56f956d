//! Which CData connector, build and method a connection string is for:
//! the contract serving the provider (`--connector`, else the default), the
//! build (`--connector-build`, else the seed's), the sign-in method's entry,
//! and the properties only the user knows (`--connector-option`).

use super::connection_string::ConnectionStringError;
use crate::provider::cdata::{self, Build, Contract, Method};
use crate::settings::Settings;
use std::collections::BTreeMap;

/// Which connector and build the string is for, and the user's choices of
/// the properties only they know (Dynamics 365's `Edition`).
pub struct Target {
    pub contract: &'static Contract,
    pub build: u32,
    pub range: &'static Build,
    pub method: &'static Method,
    pub options: BTreeMap<String, String>,
}

/// What the caller asked about the connector (`--connector`,
/// `--connector-build`, `--connector-option`).
#[derive(Debug, Default, Clone)]
pub struct Choice {
    pub connector: Option<String>,
    pub build: Option<u32>,
    pub options: Vec<(String, String)>,
}

/// Picks the contract, build and method for this connection.
pub fn target(
    provider: &str,
    provider_name: &str,
    s: &Settings,
    choice: &Choice,
) -> Result<Target, ConnectionStringError> {
    let serving = cdata::for_provider(provider);
    if serving.is_empty() {
        return Err(ConnectionStringError::NoConnector {
            provider: provider_name.to_string(),
        });
    }
    let contract = match &choice.connector {
        None => serving[0],
        Some(id) => *serving.iter().find(|c| &c.id == id).ok_or_else(|| {
            ConnectionStringError::UnknownConnector {
                given: id.clone(),
                known: serving
                    .iter()
                    .map(|c| c.id.as_str())
                    .collect::<Vec<_>>()
                    .join(" or "),
            }
        })?,
    };
    let build = choice.build.unwrap_or(contract.default_build);
    let range = contract
        .build(build)
        .ok_or_else(|| ConnectionStringError::NoBuild {
            connector: contract.connector.clone(),
            build,
            documented: contract.builds_text(),
        })?;
    let method = range.methods.get(&s.meta.scheme).ok_or_else(|| {
        let hint = match serving.iter().find(|c| {
            c.id != contract.id
                && c.build(c.default_build)
                    .is_some_and(|b| b.methods.contains_key(&s.meta.scheme))
        }) {
            Some(other) => format!(" (--connector {} can)", other.id),
            None => String::new(),
        };
        ConnectionStringError::MethodNotServed {
            connector: contract.connector.clone(),
            build,
            scheme: s.meta.scheme.clone(),
            hint,
        }
    })?;
    let mut options = BTreeMap::new();
    for (name, value) in &choice.options {
        let ok = contract
            .options
            .get(name)
            .is_some_and(|c| c.values.contains(value));
        if !ok {
            return Err(ConnectionStringError::BadOption {
                connector: contract.connector.clone(),
                given: format!("{name}={value}"),
                allowed: options_text(contract),
            });
        }
        options.insert(name.clone(), value.clone());
    }
    for (name, c) in &contract.options {
        if c.required && !options.contains_key(name) {
            return Err(ConnectionStringError::MissingOption {
                connector: contract.connector.clone(),
                name: name.clone(),
                values: c.values.join(", "),
            });
        }
    }
    Ok(Target {
        contract,
        build,
        range,
        method,
        options,
    })
}

fn options_text(c: &Contract) -> String {
    if c.options.is_empty() {
        return "no options".into();
    }
    c.options
        .iter()
        .map(|(n, c)| format!("{n}={}", c.values.join("|")))
        .collect::<Vec<_>>()
        .join(", ")
}
