//! Django's `ALLOWED_HOSTS` check (`HttpRequest.get_host`), decided before routing: the same
//! host syntax, port stripping, trailing-dot, `*` and `.example.com` rules as
//! `django.http.request.split_domain_port` / `validate_host`.

/// The effective allow-list (the caller has applied Django's DEBUG default for an empty list).
#[derive(Debug, Clone)]
pub struct AllowedHosts {
    patterns: Vec<String>,
    /// `USE_X_FORWARDED_HOST`: the host is read from `X-Forwarded-Host` when present.
    pub use_forwarded_host: bool,
}

impl AllowedHosts {
    /// None when the list holds `*` (every host allowed: nothing to check per request).
    pub fn new(patterns: Vec<String>, use_forwarded_host: bool) -> Option<Self> {
        if patterns.iter().any(|p| p == "*") {
            return None;
        }
        Some(Self {
            patterns: patterns
                .into_iter()
                .map(|p| p.to_ascii_lowercase())
                .collect(),
            use_forwarded_host,
        })
    }

    /// Whether a request whose raw host (`Host` or `X-Forwarded-Host`) is `raw` is allowed.
    pub fn allows(&self, raw: Option<&str>) -> bool {
        let Some(domain) = raw.and_then(domain_of) else {
            return false;
        };
        self.patterns.iter().any(|p| same_domain(&domain, p))
    }
}

/// The lowercased domain of `host[:port]`, without a trailing dot; None when the host does
/// not have Django's syntax (`[a-z0-9.-]+` or a bracketed IPv6 address, then `:digits`).
fn domain_of(host: &str) -> Option<String> {
    let host = host.to_ascii_lowercase();
    let (domain, port) = if host.starts_with('[') {
        let end = host.find(']')?;
        (&host[..=end], &host[end + 1..])
    } else {
        match host.rfind(':') {
            Some(at) => (&host[..at], &host[at..]),
            None => (host.as_str(), ""),
        }
    };
    let port_ok = port.is_empty()
        || (port.len() > 1
            && port.starts_with(':')
            && port[1..].bytes().all(|b| b.is_ascii_digit()));
    let domain_ok = if let Some(inner) = domain.strip_prefix('[') {
        // `\[[a-f0-9]*:[a-f0-9\.:]+\]`
        let inner = inner.strip_suffix(']')?;
        let colon = inner.find(':')?;
        inner[..colon].bytes().all(|b| b.is_ascii_hexdigit())
            && inner.len() > colon + 1
            && inner[colon + 1..]
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b'.' || b == b':')
    } else {
        !domain.is_empty()
            && domain
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
    };
    if !(port_ok && domain_ok) {
        return None;
    }
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    (!domain.is_empty()).then(|| domain.to_owned())
}

/// `django.utils.http.is_same_domain`: exact, or `.example.com` for it and its subdomains.
fn same_domain(host: &str, pattern: &str) -> bool {
    match pattern.strip_prefix('.') {
        Some(parent) => host == parent || host.ends_with(pattern),
        None => !pattern.is_empty() && host == pattern,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows(patterns: &[&str], host: Option<&str>) -> bool {
        AllowedHosts::new(patterns.iter().map(|p| p.to_string()).collect(), false)
            .is_none_or(|hosts| hosts.allows(host))
    }

    #[test]
    fn matches_like_django() {
        let list = ["example.com", ".sub.org", "127.0.0.1", "[::1]"];
        for ok in [
            "example.com",
            "EXAMPLE.com:8000",
            "example.com.",
            "sub.org",
            "a.b.sub.org:1",
            "127.0.0.1:80",
            "[::1]",
            "[::1]:8000",
        ] {
            assert!(allows(&list, Some(ok)), "{ok}");
        }
        for bad in [
            "evil.example",
            "example.com.evil",
            "xsub.org",
            "example.com:",
            "example.com:8a",
            "exa mple.com",
            "example.com@evil",
            "",
            "[::2]",
            "[zz::1]",
            ":80",
        ] {
            assert!(!allows(&list, Some(bad)), "{bad}");
        }
        assert!(!allows(&list, None));
        assert!(allows(&["*"], None));
        assert!(!allows(&[], Some("example.com")));
    }
}
