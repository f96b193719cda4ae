module example.org/textfmt

go 1.21
