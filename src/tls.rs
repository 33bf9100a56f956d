//! The TLS configuration every client of ours uses: the roots built into the
//! binary, the system's, and `--ca-file`'s, verified by rustls's WebPKI
//! verifier, wrapped so that an unknown issuer names the issuer. Behind a
//! TLS-inspecting proxy that name (`CN=Zscaler Root CA`…) is what tells a
//! person which CA to trust.

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, Error, OtherError, SignatureScheme};
use std::sync::Arc;

/// A client configuration trusting the built-in roots plus `extra`.
pub fn config(extra: &[CertificateDer<'static>]) -> rustls::ClientConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let (_, ignored) = roots.add_parsable_certificates(extra.iter().cloned());
    if ignored > 0 {
        tracing::warn!(ignored, "trusted certificates that could not be parsed");
    }
    let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .expect("the built-in roots are never empty");
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .dangerous()
        // Not a weakening: every decision is the WebPKI verifier's.
        .with_custom_certificate_verifier(Arc::new(NamesIssuer { inner }))
        .with_no_client_auth()
}

/// rustls's verifier, with the issuer's name added to an unknown-issuer error.
#[derive(Debug)]
struct NamesIssuer {
    inner: Arc<WebPkiServerVerifier>,
}

/// What an unknown-issuer failure says.
#[derive(Debug, thiserror::Error)]
#[error(
    "UnknownIssuer: the server's certificate was issued by `{issuer}`, a certificate authority this machine does not trust"
)]
pub struct UnknownIssuer {
    /// The issuer's distinguished name, sanitised (the server sent it).
    pub issuer: String,
}

/// The unknown-issuer explanation inside a failed request's error chain
/// (reqwest → hyper → io::Error → io::Error → rustls::Error), if that is
/// what failed. `io::Error::source` skips the error it wraps, so wrapped
/// errors are opened with `get_ref`.
pub fn unknown_issuer<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a UnknownIssuer> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(Error::InvalidCertificate(CertificateError::Other(OtherError(o)))) =
            err.downcast_ref::<Error>()
            && let Some(u) = o.downcast_ref::<UnknownIssuer>()
        {
            return Some(u);
        }
        cur = match err.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    None
}

/// The issuer of the top of the chain the server sent: the CA that would
/// have to be trusted.
fn issuer_of(end_entity: &CertificateDer<'_>, intermediates: &[CertificateDer<'_>]) -> String {
    let top = intermediates.last().unwrap_or(end_entity);
    match x509_parser::parse_x509_certificate(top) {
        Ok((_, cert)) => crate::text::sanitize(&cert.issuer().to_string(), 300),
        Err(_) => "an unreadable certificate".into(),
    }
}

impl ServerCertVerifier for NamesIssuer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        self.inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .map_err(|e| match e {
                Error::InvalidCertificate(CertificateError::UnknownIssuer) => {
                    let issuer = issuer_of(end_entity, intermediates);
                    Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(
                        UnknownIssuer { issuer },
                    ))))
                }
                other => other,
            })
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }

    fn root_hint_subjects(&self) -> Option<&[rustls::DistinguishedName]> {
        self.inner.root_hint_subjects()
    }
}
