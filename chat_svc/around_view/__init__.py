"""The room page around one message (``?around=``) reading forward: "load newer" pages."""
