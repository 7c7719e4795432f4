module example.com/shop/api

go 1.22

require (
	github.com/go-chi/chi/v5 v5.0.12
	golang.org/x/crypto v0.21.0 // indirect
)
