fn main() {
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path).unwrap();
        let (text, enc) = safeguard_source::decode(&bytes).unwrap();
        let file = safeguard_source::SourceFile::with_encoding(&path, text, enc);
        let doc = safeguard_tenant::tenant_document(file.clone());
        println!("== {path} {:?}", doc.format);
        for e in &doc.errors { println!("ERROR {}", e.message); }
        for o in &doc.objects {
            println!("{} {}{}", o.kind, o.address, o.existence_unknown.as_ref().map(|_| " (existence unknown)").unwrap_or(""));
            for a in &o.attrs.entries {
                let lc = file.line_index().line_column(a.value.span.start, file.text(), safeguard_source::ColumnUnit::Chars);
                println!("    {} = {}  @{}", a.key, a.value.value, lc.line);
            }
        }
    }
}
