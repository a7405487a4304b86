module example.com/tilt-live/samples/hello

go 1.22
