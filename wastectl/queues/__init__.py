"""Engine of `wastectl queues`: RabbitMQ management API reads and dead-letter replay over AMQP."""
