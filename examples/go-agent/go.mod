module github.com/example/go-agent

go 1.21

require example.org/textfmt v1.2.0
