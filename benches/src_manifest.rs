//! The synthetic manifest both tables are built from: 50 static and 50 dynamic routes.

/// `(method, path, params)`: every `{name}` is an int path parameter.
pub fn routes() -> Vec<(String, String)> {
    let mut routes = Vec::new();
    for i in 0..50 {
        routes.push(("GET".to_owned(), format!("/api/v1/resource{i}")));
    }
    for i in 0..25 {
        routes.push(("GET".to_owned(), format!("/api/v1/resource{i}/{{id}}")));
        routes.push((
            "GET".to_owned(),
            format!("/api/v1/resource{i}/{{id}}/items/{{item}}"),
        ));
    }
    routes
}

pub fn manifest_json() -> String {
    let entries: Vec<String> = routes()
        .iter()
        .enumerate()
        .map(|(id, (method, path))| {
            let params: Vec<String> = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .map(|name| {
                    format!(
                        r#"{{"name":"{name}","alias":"{name}","source":"path","type":{{"kind":"int"}},"required":true}}"#
                    )
                })
                .collect();
            format!(
                r#"{{"id":{id},"method":"{method}","path":"{path}","handler":"bench:h{id}","is_async":false,"status_code":200,"params":[{}]}}"#,
                params.join(",")
            )
        })
        .collect();
    format!(
        r#"{{"version":1,"project":"bench","routes":[{}]}}"#,
        entries.join(",")
    )
}
