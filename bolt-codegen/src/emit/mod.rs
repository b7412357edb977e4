//! One module per generated artifact. Emitters are pure: IR in, file contents out.

pub mod decoders;
pub mod django;
pub mod encoders;
pub mod extractors;
pub mod routes;
pub mod scaffold;

use proc_macro2::TokenStream;

/// Format Rust source with prettyplease (which also proves it parses).
pub fn format_tokens(tokens: TokenStream) -> Result<String, syn::Error> {
    Ok(prettyplease::unparse(&syn::parse2::<syn::File>(tokens)?))
}

pub fn format_source(source: &str) -> Result<String, syn::Error> {
    Ok(prettyplease::unparse(&syn::parse_file(source)?))
}
