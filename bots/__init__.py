"""Entry points and adapters: Telegram, Discord, the web server and the command line."""
