//! Request validation issues (the model's, in bolt-schema) and their 422 response.

pub use bolt_schema::validation::*;

use crate::http::HttpResponse;

pub fn unprocessable(issues: &[Issue]) -> HttpResponse {
    HttpResponse::json(422, unprocessable_body(issues))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_all_issues() {
        let response = unprocessable(&[
            Issue::invalid("path", "id", "Expected `int`, got `str`".into()),
            Issue::missing("query", "q"),
        ]);
        assert_eq!(response.status, 422);
        assert_eq!(
            std::str::from_utf8(&response.body).unwrap(),
            r#"{"detail":[{"loc":["path","id"],"msg":"Expected `int`, got `str`","type":"validation_error"},{"loc":["query","q"],"msg":"Missing required query parameter: q","type":"missing"}]}"#
        );
    }
}
