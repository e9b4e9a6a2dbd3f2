//! Input validation: every string and list a caller supplies is checked here.

use crate::errors::{Error, Result};
use crate::types::{ServiceSpec, MAX_ID_LEN, MAX_NAME_LEN, MAX_TAGS, MAX_URL_LEN};
use ink::prelude::string::String;

/// True if `s` is 1..=[`MAX_ID_LEN`] bytes of `[a-z0-9-]` (an org id or a tag).
pub fn is_slug(s: &str) -> bool {
    slug_fault(s).is_none()
}

enum Fault {
    Empty,
    TooLong,
    BadChar,
}

fn slug_fault(s: &str) -> Option<Fault> {
    if s.is_empty() {
        Some(Fault::Empty)
    } else if s.len() > MAX_ID_LEN {
        Some(Fault::TooLong)
    } else if !s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        Some(Fault::BadChar)
    } else {
        None
    }
}

/// Checks an organization id.
pub fn org_id(s: &str) -> Result<()> {
    match slug_fault(s) {
        None => Ok(()),
        Some(Fault::Empty) => Err(Error::OrgIdEmpty),
        Some(Fault::TooLong) => Err(Error::OrgIdTooLong),
        Some(Fault::BadChar) => Err(Error::OrgIdInvalidChar),
    }
}

/// Checks a tag list: at most [`MAX_TAGS`], each a slug, no duplicates (O(MAX_TAGS²)).
pub fn tags(tags: &[String]) -> Result<()> {
    if tags.len() > MAX_TAGS {
        return Err(Error::TooManyTags);
    }
    for (i, tag) in tags.iter().enumerate() {
        match slug_fault(tag) {
            None => {}
            Some(Fault::Empty) => return Err(Error::TagEmpty),
            Some(Fault::TooLong) => return Err(Error::TagTooLong),
            Some(Fault::BadChar) => return Err(Error::TagInvalidChar),
        }
        if tags.iter().take(i).any(|t| t == tag) {
            return Err(Error::DuplicateTag);
        }
    }
    Ok(())
}

/// Checks a display name: 1..=[`MAX_NAME_LEN`] bytes, no control characters.
pub fn name(s: &str) -> Result<()> {
    if s.is_empty() {
        Err(Error::NameEmpty)
    } else if s.len() > MAX_NAME_LEN {
        Err(Error::NameTooLong)
    } else if s.chars().any(char::is_control) {
        Err(Error::NameInvalidChar)
    } else {
        Ok(())
    }
}

fn url_fault(s: &str) -> Option<Fault> {
    if s.is_empty() {
        Some(Fault::Empty)
    } else if s.len() > MAX_URL_LEN {
        Some(Fault::TooLong)
    } else if !s.bytes().all(|b| b.is_ascii_graphic()) {
        Some(Fault::BadChar)
    } else {
        None
    }
}

/// Checks an endpoint URL: 1..=[`MAX_URL_LEN`] bytes of printable ASCII, no spaces.
pub fn endpoint(s: &str) -> Result<()> {
    match url_fault(s) {
        None => Ok(()),
        Some(Fault::Empty) => Err(Error::EndpointEmpty),
        Some(Fault::TooLong) => Err(Error::EndpointTooLong),
        Some(Fault::BadChar) => Err(Error::EndpointInvalidChar),
    }
}

/// Checks a metadata URI: 1..=[`MAX_URL_LEN`] bytes of printable ASCII, no spaces.
pub fn metadata_uri(s: &str) -> Result<()> {
    match url_fault(s) {
        None => Ok(()),
        Some(Fault::Empty) => Err(Error::MetadataUriEmpty),
        Some(Fault::TooLong) => Err(Error::MetadataUriTooLong),
        Some(Fault::BadChar) => Err(Error::MetadataUriInvalidChar),
    }
}

/// Checks every field of a registration.
pub fn spec(spec: &ServiceSpec) -> Result<()> {
    name(&spec.name)?;
    endpoint(&spec.endpoint)?;
    metadata_uri(&spec.metadata_uri)?;
    tags(&spec.tags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ink::prelude::vec::Vec;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| String::from(*s)).collect()
    }

    #[test]
    fn slugs() {
        assert!(is_slug("medical"));
        assert!(is_slug("a-1"));
        assert!(is_slug(&"a".repeat(MAX_ID_LEN)));
        assert!(!is_slug(""));
        assert!(!is_slug(&"a".repeat(MAX_ID_LEN + 1)));
        assert!(!is_slug("Medical"));
        assert!(!is_slug("a_b"));
        assert!(!is_slug("a b"));
        assert!(!is_slug("é"));
    }

    #[test]
    fn org_ids() {
        assert_eq!(org_id("acme-ai"), Ok(()));
        assert_eq!(org_id(""), Err(Error::OrgIdEmpty));
        assert_eq!(
            org_id(&"x".repeat(MAX_ID_LEN + 1)),
            Err(Error::OrgIdTooLong)
        );
        assert_eq!(org_id("Acme"), Err(Error::OrgIdInvalidChar));
        assert_eq!(org_id("acme.ai"), Err(Error::OrgIdInvalidChar));
    }

    #[test]
    fn tag_lists() {
        assert_eq!(tags(&[]), Ok(()));
        assert_eq!(tags(&strings(&["medical", "vision"])), Ok(()));
        let max: Vec<String> = (0..MAX_TAGS)
            .map(|i| ink::prelude::format!("t{i}"))
            .collect();
        assert_eq!(tags(&max), Ok(()));
        let over: Vec<String> = (0..=MAX_TAGS)
            .map(|i| ink::prelude::format!("t{i}"))
            .collect();
        assert_eq!(tags(&over), Err(Error::TooManyTags));
        assert_eq!(tags(&strings(&["ok", ""])), Err(Error::TagEmpty));
        assert_eq!(tags(&["a".repeat(MAX_ID_LEN + 1)]), Err(Error::TagTooLong));
        assert_eq!(tags(&strings(&["UP"])), Err(Error::TagInvalidChar));
        assert_eq!(tags(&strings(&["a", "b", "a"])), Err(Error::DuplicateTag));
    }

    #[test]
    fn names() {
        assert_eq!(name("Röntgen reader"), Ok(()));
        assert_eq!(name(&"n".repeat(MAX_NAME_LEN)), Ok(()));
        assert_eq!(name(""), Err(Error::NameEmpty));
        assert_eq!(name(&"n".repeat(MAX_NAME_LEN + 1)), Err(Error::NameTooLong));
        assert_eq!(name("bad\nname"), Err(Error::NameInvalidChar));
    }

    #[test]
    fn endpoints_and_uris() {
        assert_eq!(endpoint("https://api.example.com/v1?x=1"), Ok(()));
        assert_eq!(endpoint(&"e".repeat(MAX_URL_LEN)), Ok(()));
        assert_eq!(endpoint(""), Err(Error::EndpointEmpty));
        assert_eq!(
            endpoint(&"e".repeat(MAX_URL_LEN + 1)),
            Err(Error::EndpointTooLong)
        );
        assert_eq!(endpoint("https://a b"), Err(Error::EndpointInvalidChar));
        assert_eq!(endpoint("https://ä"), Err(Error::EndpointInvalidChar));
        assert_eq!(metadata_uri("ipfs://bafy"), Ok(()));
        assert_eq!(metadata_uri(""), Err(Error::MetadataUriEmpty));
        assert_eq!(
            metadata_uri(&"m".repeat(MAX_URL_LEN + 1)),
            Err(Error::MetadataUriTooLong)
        );
        assert_eq!(
            metadata_uri("ipfs://\t"),
            Err(Error::MetadataUriInvalidChar)
        );
    }
}
